"""A predicate for the constraint tests (imported as ``constraint_rules:x_small``)."""


def x_small(df):
    return (df["x"].abs() < 2.0).to_numpy()
