#!/usr/bin/env python3
"""Writes a configuration of TEAMS teams with USERS Studio users each (scripts/bench: the scale of
teams as code). Usage: teams_config.py TEAMS USERS > FILE"""
import sys

teams, users = int(sys.argv[1]), int(sys.argv[2])
print("teams:")
for t in range(teams):
    print(f"  - name: team-{t:04d}\n    env: {'dev' if t % 2 == 0 else 'prod'}\n    users:")
    for u in range(users):
        print(f"      - name: t{t:04d}-u{u}" + ("\n        variant: v2" if u == 0 else ""))
