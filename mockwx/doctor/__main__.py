"""``python -m mockwx.doctor``: print the README's table of mistakes from the catalogue."""

from .catalogue import readme_table

print(readme_table())
