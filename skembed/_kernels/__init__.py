"""Compiled numba kernels. Arrays and scalars in, arrays out; no estimator code here."""
