"""Benign real-world traffic built at evaluation time from public generators of real values.

CSIC 2010's normal traffic was generated from Spanish word lists, so a model that passes it has
only met Spanish names, Spanish postcodes and one browser. These builders put values and clients
of other countries into the same requests (Faker's locales for people, fake-useragent's real
browser User-Agents for clients), deterministically from a seed; nothing generated is stored.
How each set is built is written in ``SOURCE.md`` beside this package's code.
"""
