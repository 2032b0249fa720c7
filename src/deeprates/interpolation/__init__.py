"""Track E4: univariate interpolation by exponentials and Gaussian RBFs (arXiv:1205.5961).

- `hciz`: Haar unitaries, the Harish-Chandra-Itzykson-Zuber integral in closed form and by Monte
  Carlo (the interpolation determinant det[e^{x_i x_j}] is such an integral).
- `error_formula`: the integral error formula of Gaussian interpolation that the author's homepage
  prints, evaluated by Monte Carlo over (v, U), and the direct error it must equal.
- `rbf`: Gaussian-RBF and exponential interpolation in mpmath (the Gaussian matrix is too
  ill-conditioned for float64 beyond N ~ 12) and the sup error on a grid.
"""
