"""Recorded answers of real servers, and the machinery that records and replays them."""
