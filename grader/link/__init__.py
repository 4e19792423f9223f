"""The link between the judge's process and the candidate's: messages, the encoding of
values, proxies for what stays on the other side, and what each side may ask."""
