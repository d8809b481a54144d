-- households_without_training_12m: the named list behind no_training_12m, for the training
-- coordinator: the households int_no_training_on_date finds with the 12-month look-back, as at
-- the date set (getvariable('as_at')). INTERNAL ONLY: it holds household ids and never goes
-- into a public pack.
with no_training as (
    select * from int_no_training_on_date
    where as_at = getvariable('as_at') and look_back_months = 12 and has_no_training
),

households as (
    select * from int_households_on_date where as_at = getvariable('as_at')
),

final as (
    select
        households.household_id,
        households.household_type,
        households.support_team,
        households.approval_date,
        no_training.last_completed as last_training_completed
    from no_training
    inner join households using (household_id)
)

select * from final order by support_team, household_id
