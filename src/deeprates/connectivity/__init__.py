"""Track E, low-loss connection of trained networks (arXiv:2008.00741, Anokhin and Yarotsky,
"Low-loss connection of weight vectors: distribution-based approaches", ICML 2020).

Real training runs (torch, minibatch SGD) on scikit-learn's bundled digits, then paths between
two independently trained networks evaluated in float64 numpy:
- `data`: the deterministic train/test split of the digits;
- `nets`: network specs, their training (resumable, seeded, device-aware) and weight files;
- `forward`: float64 evaluation, cross-entropy and error;
- `paths`: Linear, Arc and optimal-transport paths, weight adjustment (WA), layer-by-layer paths
  of deep nets, the covariance of the neuron cloud;
- `ensembles`: weight-adjusted ensembles (the paper's Section 6, "WA(n)").
"""
