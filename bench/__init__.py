"""bench: speed, memory and scale of policybot, side by side with the usual LangChain retrieval recipe.

`python -m bench` runs every measurement in its own subprocess and writes bench/results.json and
bench/chart.png; `python -m bench --quick` is a smoke run at tiny size.
"""
