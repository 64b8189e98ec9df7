"""The dynamic game: Model 2's stage game every quarter of 2020-2022, linked by the US
troop posture and dated shocks, solved by backward induction (docs/model.md §9)."""
