"""Source steps: each module extracts one source into the warehouse's staging shape."""
