"""Track C: optimisation under power-law spectra (docs/figures/: the five track C figures).

Modules (each cites the paper and equation its formulas come from):
- `spectra`: power-law quadratic problems (discrete, dense, continuous measures) and the
  theoretical exponents and prefactors they imply;
- `windows`: fit windows derived from the problem (which modes are learned by when);
- `quadratic`: deterministic optimisers on diagonal quadratics: GD, steepest descent, Heavy Ball
  with the Jacobi schedule, conjugate gradients (arXiv:2202.00992);
- `sgd_moments`: the exact second-moment recursion of mini-batch SGD with momentum, the noise
  sum U_Sigma, the stability boundary and the learning-rate search (arXiv:2206.11124);
- `sgd_montecarlo`: Monte-Carlo SGD in torch, all seeds batched in one tensor;
- `corner`: corner gradient descent: generating functions, time-domain and finite-memory forms,
  the renewal equation for SGD, theta_max (arXiv:2504.12519);
- `beam`: the cantilever-beam operator's spectrum and the indicator target (arXiv:1810.03974);
- `kernel_regression`: KRR and gradient flow on the Gaussian-design model (arXiv:2403.11696);
- `divergence`: how a diverging run is recorded (as data) and an unexpected one reported.
"""
