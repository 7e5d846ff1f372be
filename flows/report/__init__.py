"""Reports: digest data from the marts, hand-built SVG charts, safe HTML → PDF rendering.

`digest_data.load_digest_data` reads, `digest.render_digest` / `digest.render_quality_alert`
write the PDFs, `render.render_pdf` is the one way any report becomes a PDF.
"""
