"""Verify Authenticode signatures of Windows PE files offline, and name the certificates
a machine lacks when a chain does not close.

    >>> import authverify
    >>> v = authverify.Verifier(trust=["builtin"], policy="windows")
    >>> report = v.verify_path("setup.exe")
    >>> report["status"], [m["subject"] for m in report["missing"]]

Reports are the JSON format's objects (plain dicts and lists), field for field what
`authverify verify --format json` prints. `Verifier.verify_paths` runs on all cores with
the GIL released; a `Verifier` pickles as its arguments, so it can be shipped to workers
(see examples/python/dask_verify.py).
"""

from ._authverify import AuthverifyError, Summary, Verifier, __version__, schema

__all__ = ["AuthverifyError", "Summary", "Verifier", "__version__", "schema"]
