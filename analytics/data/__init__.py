"""The data contract and loading: the canonical tables (schema), reading and coercing a data
folder (load, coerce*, arrowtext) into a Dataset, and the commit ancestry walk the linkers use."""
