"""Track B: training dynamics (each figure documented in docs/figures/<id>.md).

Modules
  device       torch setup: device, dtype, determinism, what a run records about where it ran
  checkpoint   resumable training runs (atomic snapshots next to the job's output)
  loop         full-batch gradient descent with losses logged on a geometric step grid
  data         designs on the cube / ball, indicator targets, the bundled digits data
  kernels      2-layer ReLU NTK and random-feature kernels: analytic and empirical (finite width)
  spectral     gradient flow through the eigendecomposition of a Gram matrix; nu, kappa, xi fits
  lazy         real wide networks in lazy scaling, trained by full-batch GD
  beam         the beam (cantilever) operator of arXiv:1810.03974 and its exact spectrum
  splines      linear free-knot splines trained by gradient descent
  autoencoder  the weight-tied linear autoencoder: GD, logistic law, Marchenko-Pastur limit
"""
