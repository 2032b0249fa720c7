# Drawing is separate from computing: a style change reruns only these cheap jobs.


localrules:
    figure,


rule figure:
    input:
        results=lambda wc: ws.figure_inputs(config, wc.fig, RESULTS),
    output:
        # no PDF under `figure_pdf: false` (config/test.yaml)
        **({"pdf": f"{FIGDIR}/{{fig}}.pdf"} if config["figure_pdf"] else {}),
        png=report(
            f"{FIGDIR}/{{fig}}.png",
            caption="../report/figure.rst",
            category=lambda wc: report_text.track_title(
                deeprates.figures.FIGURES[wc.fig][0]
            ),
            subcategory="{fig}",
        ),
        json=f"{FIGDIR}/{{fig}}.json",
    log:
        f"{RESULTS}/logs/figures/{{fig}}.log",
    wildcard_constraints:
        fig="|".join(FIGURES),
    conda:
        ENV
    params:
        p=lambda wc: ws.params_json(config, wc.fig),
        code=lambda wc: ws.figure_fingerprint(wc.fig),
        outdir=lambda wc, output: os.path.dirname(output.json),
        caption=lambda wc: ws.caption(config, wc.fig),
        pdf="" if config["figure_pdf"] else "--no-pdf",
    shell:
        "python -m deeprates figure {wildcards.fig} --results {input.results}"
        " --params {params.p:q} --outdir {params.outdir} {params.pdf} > {log} 2>&1"
