# Track D (arXiv:1701.04249): the shape data set and its voxel features, shared by the voxel
# figures. One job per class makes (or checks) its meshes and writes the class manifest; one job
# per chunk of a class's meshes extracts the features of their rotated copies into an npz. The
# figures' compute jobs (classifier runs) name these files in their module's inputs().
import json

import deeprates.voxel.dataset as voxel_dataset
from deeprates import figures as figure_registry

VOXEL_SPECS = voxel_dataset.specs_by_key(
    [
        ws.params_of(config, fig)["dataset"]
        for fig in FIGURES
        if figure_registry.FIGURES[fig][0] == "voxel"
    ]
)


# A user's mesh directory: its split lists and the class's mesh files are inputs, so replacing a
# mesh or editing a list reruns what depends on it. Every class's manifest depends on both lists:
# mesh ids count over all classes, so adding a class renumbers the meshes of the classes after it.
rule voxel_meshes:
    input:
        lambda wc: VOXEL_SPECS[wc.key].source_files(int(wc.ci)),
    output:
        f"{RESULTS}/voxel/data/{{key}}/meshes/c{{ci}}.json",
    log:
        f"{RESULTS}/logs/voxel/data/{{key}}/meshes-c{{ci}}.log",
    wildcard_constraints:
        key="[0-9a-f]{10}",
        ci="[0-9]+",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        spec=lambda wc: json.dumps(VOXEL_SPECS[wc.key].to_params()),
        index=lambda wc: int(wc.ci),
        code=ws.command_fingerprint("cmd_voxel_meshes"),
    shell:
        "python -m deeprates voxel meshes --dataset {params.spec:q} --class-index {params.index}"
        " --out {output} 2> {log}"


rule voxel_features:
    input:
        manifest=f"{RESULTS}/voxel/data/{{key}}/meshes/c{{ci}}.json",
        meshes=lambda wc: VOXEL_SPECS[wc.key].mesh_files(int(wc.ci)),
    output:
        f"{RESULTS}/voxel/data/{{key}}/features/c{{ci}}-p{{part}}.npz",
    log:
        f"{RESULTS}/logs/voxel/data/{{key}}/features-c{{ci}}-p{{part}}.log",
    wildcard_constraints:
        key="[0-9a-f]{10}",
        ci="[0-9]+",
        part="[0-9]+",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=lambda wc: VOXEL_SPECS[wc.key].resources.get("mem_mb", 2000),
        runtime=lambda wc: VOXEL_SPECS[wc.key].resources.get("runtime", 20),
    params:
        spec=lambda wc: json.dumps(VOXEL_SPECS[wc.key].to_params()),
        code=ws.command_fingerprint("cmd_voxel_features"),
    shell:
        "python -m deeprates voxel features --dataset {params.spec:q} --manifest {input.manifest}"
        " --part {wildcards.part} --threads {threads} --out {output} 2> {log}"
