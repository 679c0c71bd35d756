"""Checklists on the incident: the registry of checklist checks (`registry`) and the checks of the
"restore automation" (`restore`) and "post-outage verification" (`verification`) stages."""
