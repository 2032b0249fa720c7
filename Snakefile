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
import deeprates.warm_start
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


# `warm_start: true` (config/test.yaml): the jobs fork from one process that has the libraries
# imported, since at the tiny size their start-up is most of their cost (deeprates.warm_start).
# Only where the jobs run on this machine; the outputs are the same bytes either way.
WARM = (
    config.get("warm_start", False) and workflow.local_exec and not workflow.remote_exec
)


onstart:
    if WARM:
        deeprates.warm_start.start(
            str(Path(workflow.basedir, "src")),
            Path(config["results_dir"], "logs", "warm-start.log"),
        )


onsuccess:
    deeprates.warm_start.stop()
    print(_summary(True), file=sys.stderr)


onerror:
    deeprates.warm_start.stop()
    print(_summary(False), file=sys.stderr)
