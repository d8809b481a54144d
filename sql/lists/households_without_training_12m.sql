-- households_without_training_12m: the named list behind no_training_12m, for the training
-- coordinator. INTERNAL ONLY: it holds household ids and never goes into a public pack.
with households as (
    select * from int_households_on_date where as_at = getvariable('as_at')
),

final as (
    select
        households.household_id,
        households.household_type,
        households.support_team,
        households.approval_date,
        last_training.last_completed as last_training_completed
    from households
    left join int_last_training as last_training using (as_at, household_id)
    where households.approval_date <= getvariable('as_at') - interval 12 month
      and (last_training.last_completed is null
           or last_training.last_completed <= getvariable('as_at') - interval 12 month)
)

select * from final order by support_team, household_id
