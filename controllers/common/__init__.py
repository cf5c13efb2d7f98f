"""Pieces shared by the five controllers.

- runner: the task list a reconcile is made of (Complete / Wait / Retry / Fail).
- deps: what a reconcile needs from outside (API client, caches, events, PD clients, clock).
- objects: labels, owner references and metadata of created objects.
- conditions: metav1.Condition handling.
- finalizer, pvc: steps every instance kind takes.
- revision: template hashes.
- history: a group's revisions as ControllerRevisions; its current revision and version.
- safety: fresh reads, identity fencing and the safety brake in front of destructive steps.
"""
