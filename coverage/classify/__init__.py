"""Classify step of the coverage stage: best fixed offer, speed class and eligibility per
address; mobile coverage class per operator and technology; aggregates per area unit."""
