"""The OS edge: what is in front, and how long the user has been idle.

One module per backend. `select()` picks a backend name from explicit inputs and says why;
`open_probe()` imports and constructs it. Backends do no work at import time.
"""
