"""The remote patcher function's source: `handler.py` is its Lambda handler module.

`tether.deploy.remote_patch.patcher_package` zips `handler.py` (as `tether_patcher.py`) with
Tether's own stdlib-only patching modules (`tether/build/archive.py`, `zipindex.py`,
`patch.py`, `tether/errors.py`) and empty package stubs; the bootstrap stack deploys it next to
the artifact bucket. Nothing in Tether imports this package at run time.
"""
