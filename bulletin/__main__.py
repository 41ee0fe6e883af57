from .cli import run

run(prog_name="bulletin")
