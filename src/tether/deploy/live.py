"""The last stage of a full deploy: make sure every function runs the code that was just built.

CloudFormation updates a function's code only when the template's reference to it changes, so
code that changed behind its back stays live through any number of "no changes" deploys: code
deployed from elsewhere, an update that failed, or a quick deploy that was killed half-way. This
stage reads every function's live CodeSha256 (from ListFunctions: a page per 50 functions, not
a request per function) and updates each one that does not run the built code, and waits until
every update is done, its own and those the stack's update made to functions (on the local
cloud, until the new version's first worker has started, for a function in use), so the deploy
is over when the new code can answer. A deploy that updated no function in the stack waits for
none it did not update itself. The result says which functions were updated, which
of them ran code Tether never deployed (reported as drift), and what each function now runs,
for the stage's state.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from tether.cloud import Cloud
from tether.deploy.code_updates import listed_code, update_all, wait_until_live
from tether.deploy.state import StageState, function_code
from tether.errors import TetherError
from tether.model import Project
from tether.synth.template import Context
from tether.words import count


class CodeUpdateError(TetherError):
    """The deploy is done, but some functions could not be brought to the new code."""


@dataclass(frozen=True)
class SettledCode:
    updated: tuple[str, ...] = ()  # functions whose code was updated here
    drifted: tuple[str, ...] = ()  # of those: functions that ran code Tether did not deploy
    missing: tuple[str, ...] = ()  # functions the stack has but the cloud does not (deleted)
    failures: dict[str, str] = field(default_factory=dict)  # function -> why its update failed
    function_code: dict[str, str] = field(default_factory=dict)  # for StageState.function_code

    def notes(self) -> list[str]:
        return [
            f"function {f} ran code that Tether did not deploy (changed from elsewhere, or "
            "left by an interrupted deploy); it now runs the code of your files"
            for f in self.drifted
        ] + [
            f"function {f} is in the stack but not in the cloud (deleted from elsewhere?); "
            "CloudFormation cannot see that: rename the function in the project file and deploy, "
            "or destroy the stage and deploy it again"
            for f in self.missing
        ]

    def raise_failures(self) -> None:
        if not self.failures:
            return
        lines = "\n".join(f"  - {f}: {reason}" for f, reason in sorted(self.failures.items()))
        raise CodeUpdateError(
            f"the stack is deployed, but {count(len(self.failures), 'function')} could not be "
            f"given the new code\n{lines}",
            hint="deploy again to retry them (it is safe to repeat)",
        )


def settle_code(
    cloud: Cloud,
    project: Project,
    state: StageState | None,
    *,
    stage: str,
    target: str,
    bucket: str,
    key: str,
    sha256: str,
    updated: Collection[str] | None = None,
) -> SettledCode:
    """Update every function that does not run `bucket/key` (whose sha256 is `sha256`),
    including those a quick deploy left on an older zip: the quick path's choice of affected
    functions follows imports, and code loaded another way (importlib, data files read by
    name) is only certain to be live once every function runs the built zip. `updated`: the
    functions the stack's update updated in place, whose update may still be in progress
    (None: any function's may)."""
    ctx = Context(project=project, stage=stage, target=target)
    names = {f.name: ctx.function_name(f) for f in project.functions.values()}
    live = listed_code(cloud, names)
    update: dict[str, str] = {}
    drifted = []
    for function, code in live.items():
        if code is None or code == sha256:
            continue
        recorded = state.code_of(function) if state is not None else sha256
        if code != recorded:
            drifted.append(function)
        update[function] = names[function]
    failures = update_all(cloud, update, bucket, key)  # each waited for until it is live
    # The stack's own updates of the others: done once their new code can answer too.
    wait_until_live(
        cloud,
        {
            f: names[f]
            for f, code in live.items()
            if code is not None and f not in update and (updated is None or f in updated)
        },
    )
    runs = {f: code for f, code in live.items() if code is not None}
    runs.update({f: sha256 for f in update if f not in failures})
    return SettledCode(
        updated=tuple(sorted(f for f in update if f not in failures)),
        drifted=tuple(sorted(drifted)),
        missing=tuple(sorted(f for f, code in live.items() if code is None)),
        failures=failures,
        function_code=function_code(runs, sha256),
    )
