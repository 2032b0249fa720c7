"""deeprates: regenerate and check the computational figures of D. Yarotsky et al.'s papers.

The package holds all logic; the Snakemake workflow only wires `python -m deeprates <command>`
calls together (README, "How it works"). Library use without the workflow: `deeprates fit` and
`deeprates voxel features` (docs/commands/), or `deeprates.fitting` and `deeprates.voxel` directly.
"""

__version__ = "0.1.0"
