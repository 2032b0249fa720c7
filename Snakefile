# deeprates: regenerate every figure and check its claims.
#   snakemake --cores all                              default size (CPU, minutes)
#   snakemake --cores all --configfile config/paper.yaml   paper size (GPU / cluster)
# The workflow lives in workflow/Snakefile; loading it as a module keeps its default target.


from pathlib import Path


configfile: "config/config.yaml"


module deeprates:
    snakefile:
        "workflow/Snakefile"
    config:
        config


use rule * from deeprates


# The run's last lines (profiles/default's logger prints one line per job before them). Here,
# not in workflow/Snakefile: Snakemake runs only the main Snakefile's onsuccess/onerror.
import sys
import time

import deeprates.run_summary
import deeprates.workflow_support

STARTED = time.time()


def _summary(ok):
    ids = deeprates.workflow_support.figure_ids(config)
    return deeprates.run_summary.summary(
        config["figures_dir"],
        ids,
        STARTED,
        ok,
        enforced=config.get("verify", "fail") == "fail",
    )


onsuccess:
    print(_summary(True), file=sys.stderr)


onerror:
    print(_summary(False), file=sys.stderr)
