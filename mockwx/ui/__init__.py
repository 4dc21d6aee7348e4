"""The dashboard served by the mock itself: jinja2 templates, static CSS/JS, texts in English and
Chinese, the sequence diagram of an order's story, the signature playground and the live fan-out.
The routes are mockwx.http.ui; everything here renders read models and knows no HTTP.
"""
