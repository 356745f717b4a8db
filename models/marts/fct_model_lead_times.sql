-- One row per retrain deployment (same code, new model version): its model lead time, from the
-- end of the training run that produced the deployed model version to the deployment. Reported
-- beside the lead time for changes, never mixed into it; null when the run is unknown.
select
    model_lead_times.*,
    projects.team
from {{ ref('int_model_lead_times_computed') }} as model_lead_times
left join {{ ref('projects') }} as projects
    on projects.project_id = model_lead_times.project_id
