-- int_last_training: for each as-at date, each approved household's most recent completed
-- course (of any kind) on or before the date; households with none have no row.
with households as (
    select distinct as_at, household_id from int_households_on_date
),

final as (
    select households.as_at, households.household_id, training.completed_date as last_completed
    from households
    -- the latest completion on or before the date: the household's maximum up to then
    asof inner join stg_training as training
        on training.household_id = households.household_id
        and training.completed_date <= households.as_at
)

select * from final
