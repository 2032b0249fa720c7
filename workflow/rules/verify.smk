# The claims table is always written (failures included); `verify` then fails the run if any
# claim failed, so a red run still leaves figures/README.md saying which claim and why; with
# config `verify: report` (tiny sizes) it lists them and the run finishes.


localrules:
    claims_table,
    verify,
    report_text,


rule claims_table:
    input:
        expand("{d}/{fig}.json", d=FIGDIR, fig=FIGURES),
    output:
        f"{FIGDIR}/README.md",
    log:
        f"{RESULTS}/logs/claims_table.log",
    conda:
        ENV
    shell:
        "python -m deeprates table {input} --out {output} > {log} 2>&1"


rule verify:
    input:
        table=f"{FIGDIR}/README.md",
        jsons=expand("{d}/{fig}.json", d=FIGDIR, fig=FIGURES),
    output:
        f"{RESULTS}/verify.ok",
    log:
        f"{RESULTS}/logs/verify.log",
    conda:
        ENV
    params:
        # config `verify: report` (config/test.yaml): failing claims are listed, the run finishes
        mode="--report-only" if config["verify"] == "report" else "",
    shell:
        "python -m deeprates verify {input.jsons} --stamp {output} {params.mode} 2>&1 | tee {log}"


# What `snakemake --report` shows besides the figures: each figure's claims under its caption
# and, on the landing page, every claim and the config of the run (workflow/report/).
rule report_text:
    input:
        jsons=expand("{d}/{fig}.json", d=FIGDIR, fig=FIGURES),
        landing=LANDING,
    output:
        [
            f"{RESULTS}/report/{name}.rst"
            for name in [*FIGURES, "claims", "config", "landing"]
        ],
    log:
        f"{RESULTS}/logs/report_text.log",
    conda:
        ENV
    params:
        config=lambda wc: json.dumps(config, sort_keys=True),
        outdir=lambda wc, output: os.path.dirname(output[0]),
    shell:
        "python -m deeprates report-text {input.jsons} --config {params.config:q}"
        " --landing {input.landing} --outdir {params.outdir} > {log} 2>&1"
