"""Cost models of the compute jobs: what drives each figure's cost (drivers.py), the fits to
measured CPU time and peak memory (model.py, coefficients.json from measurements.json), and the
predicted cost and resources of any config (report.py; `deeprates cost`, docs/commands/cost.md).
"""
