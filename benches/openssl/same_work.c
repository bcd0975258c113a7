/* OpenSSL doing the per-file work of verifying a small signed file once the chain is
 * cached (issue 32): open the file, read it, SHA-256 of its bytes, one RSA PKCS#1 v1.5
 * verification with the signer's key. The reference side of scripts/bench-smallfiles.sh;
 * it verifies nothing about the file (the signature checked is one made at start-up over a
 * fixed digest), it only costs what the work costs.
 *
 *   cc -O2 -o same_work same_work.c -lcrypto
 *   same_work KEY.pem FILE...      (KEY: the RSA private key whose public half verifies)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: same_work KEY.pem FILE...\n"); return 2; }
    FILE *kf = fopen(argv[1], "r");
    if (!kf) { perror(argv[1]); return 2; }
    EVP_PKEY *key = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
    fclose(kf);
    if (!key) { fprintf(stderr, "cannot read the key\n"); return 2; }
    unsigned char digest[32] = {1}, sig[1024];
    size_t siglen = sizeof sig;
    EVP_PKEY_CTX *sctx = EVP_PKEY_CTX_new(key, NULL);
    if (EVP_PKEY_sign_init(sctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(sctx, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(sctx, EVP_sha256()) <= 0 ||
        EVP_PKEY_sign(sctx, sig, &siglen, digest, sizeof digest) <= 0) {
        fprintf(stderr, "cannot sign\n"); return 2;
    }
    EVP_PKEY_CTX_free(sctx);
    /* Verify with the public key alone, as a verifier has it. */
    unsigned char *der = NULL;
    int derlen = i2d_PUBKEY(key, &der);
    const unsigned char *p = der;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, derlen);
    if (!pub) { fprintf(stderr, "cannot read the public key\n"); return 2; }
    size_t cap = 0;
    unsigned char *buf = NULL;
    long ok = 0;
    for (int i = 2; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[i]); return 2; }
        size_t len = (size_t)st.st_size;
        if (len + 1 > cap) { cap = len + 1; buf = realloc(buf, cap); }
        ssize_t n = read(fd, buf, len + 1);
        close(fd);
        if (n != (ssize_t)len) { fprintf(stderr, "%s: short read\n", argv[i]); return 2; }
        unsigned char file_digest[32];
        unsigned int dlen = 0;
        EVP_Digest(buf, len, file_digest, &dlen, EVP_sha256(), NULL);
        EVP_PKEY_CTX *vctx = EVP_PKEY_CTX_new(pub, NULL);
        if (EVP_PKEY_verify_init(vctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) <= 0 ||
            EVP_PKEY_CTX_set_signature_md(vctx, EVP_sha256()) <= 0) {
            fprintf(stderr, "cannot verify\n"); return 2;
        }
        ok += EVP_PKEY_verify(vctx, sig, siglen, digest, sizeof digest) == 1 && dlen == sizeof file_digest;
        EVP_PKEY_CTX_free(vctx);
    }
    printf("%ld\n", ok);
    return ok == argc - 2 ? 0 : 1;
}
