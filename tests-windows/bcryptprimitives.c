#include <windows.h>
/* Test-harness shim for wine 8, which lacks bcryptprimitives.dll!ProcessPrng (Rust std's
   Windows randomness source): fills the buffer with RtlGenRandom (advapi32 SystemFunction036). */
BOOLEAN WINAPI SystemFunction036(PVOID, ULONG);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n; len -= n;
    }
    return TRUE;
}
