# Track E (arXiv:2008.00741): the endpoint networks, trained once per (architecture, training
# schedule, seed) and shared by every figure that asks for them (their file name carries a hash
# of the spec). The figures' compute jobs name these files in their module's inputs().
import json

import deeprates.connectivity.nets as connectivity_nets

CONNECTIVITY_NETS = ws.connectivity_nets(config, FIGURES)


rule connectivity_net:
    output:
        f"{RESULTS}/connectivity/nets/{{net}}.npz",
    log:
        f"{RESULTS}/logs/connectivity/nets/{{net}}.log",
    wildcard_constraints:
        net="[a-z0-9x-]+",
    conda:
        ENV
    threads: lambda wc: CONNECTIVITY_NETS[wc.net]["resources"].get("threads", 1)
    resources:
        mem_mb=lambda wc: CONNECTIVITY_NETS[wc.net]["resources"].get("mem_mb", 1000),
        runtime=lambda wc: CONNECTIVITY_NETS[wc.net]["resources"].get("runtime", 10),
        gpu=lambda wc: CONNECTIVITY_NETS[wc.net]["resources"].get("gpu", 0),
    params:
        spec=lambda wc: json.dumps(CONNECTIVITY_NETS[wc.net]["spec"]),
        code=connectivity_nets.code_fingerprint(),
        device=config["device"],
    shell:
        "python -m deeprates connectivity train --spec {params.spec:q} --device {params.device}"
        " --threads {threads} --out {output} 2> {log}"
