# One job per independent run of a figure (figure x case): <results_dir>/<track>/<figure>/<case>.json.
# Each job's threads, memory, runtime and GPU come from the figure's `resources` in the config;
# on a cluster they become the SLURM request (profiles/slurm: gpu: N -> --gpus=N, 0 -> none).


rule compute:
    input:
        data=lambda wc: ws.compute_inputs(config, wc.fig, wc.case, RESULTS),
        # a user's file a parameter names (a mesh): replacing it reruns the job
        user=lambda wc: ws.user_files(config, wc.fig),
    output:
        f"{RESULTS}/{{track}}/{{fig}}/{{case}}.json",
    log:
        f"{RESULTS}/logs/{{track}}/{{fig}}/{{case}}.log",
    wildcard_constraints:
        track="|".join(ws.TRACKS),
        fig="|".join(FIGURES),
    # Between-workflow cache (`--cache` with SNAKEMAKE_OUTPUT_CACHE set): a result is reused
    # when the command and every parameter below match. The key leaves out wildcards, hence
    # `job`; and the environment ("omit-software"), hence `software`.
    cache: "omit-software"
    # Short CPU jobs share SLURM jobs (group-components in profiles/slurm); None = own job.
    group:
        lambda wc: ws.compute_group(config, wc.fig)
    conda:
        ENV
    threads: lambda wc: ws.resource(config, wc.fig, "threads")
    resources:
        mem_mb=lambda wc: ws.resource(config, wc.fig, "mem_mb"),
        runtime=lambda wc: ws.resource(config, wc.fig, "runtime"),
        gpu=lambda wc: ws.resource(config, wc.fig, "gpu"),
    params:
        job=lambda wc: f"{wc.track}/{wc.fig}/{wc.case}",
        p=lambda wc: ws.params_json(config, wc.fig),
        code=lambda wc: ws.compute_fingerprint(wc.fig),
        software=SOFTWARE,
        seed=config["seed"],
        device=config["device"],
    shell:
        "python -m deeprates compute {wildcards.fig} {wildcards.case}"
        " --params {params.p:q} --seed {params.seed} --threads {threads}"
        " --device {params.device} --inputs {input.data} --out {output} 2> {log}"
