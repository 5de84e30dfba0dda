"""Several devices, one balance (issue 17, DESIGN §3 Devices).

Each device writes a complete snapshot of its own data into a folder that a sync engine keeps
in step (`snapshot.py`), and reads every peer's snapshot read-only (`peers.py`). Time seen on
several devices at once counts once (`union.py`). SQL lives in `presence/store/`.
"""
