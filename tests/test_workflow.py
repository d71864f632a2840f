"""The release workflow cannot run here: check that it parses and does what the docs say."""

from __future__ import annotations

import yaml

from conftest import ROOT


def test_release_workflow_is_valid_yaml_and_builds_checks_and_publishes() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    # YAML 1.1 reads the key `on` as True
    trigger = workflow.get("on", workflow.get(True))
    assert trigger == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "write"}
    jobs = workflow["jobs"]
    assert jobs["build"]["needs"] == "plan" and jobs["release"]["needs"] == "build"
    assert jobs["build"]["strategy"]["matrix"]["edition"] == "${{ fromJSON(needs.plan.outputs.editions) }}"
    steps = [step for job in jobs.values() for step in job["steps"]]
    commands = "\n".join(step.get("run", "") for step in steps)
    for expected in ("bash .ci/install-system-deps", "load_config", ".editions()",
                     'make-book build --strict --edition "${{ matrix.edition }}" --out part',
                     "make-book check --strict --require-ace part", "make-book release parts/* --out build",
                     "sha256sum -c SHA256SUMS", "gh release create"):
        assert expected in commands
    for artifact in ("build/*.epub", "build/*.pdf", "build/SHA256SUMS", "build/manifest.json", "build/index.html"):
        assert artifact in commands
    assert all("uses" in step or "run" in step for step in steps)
