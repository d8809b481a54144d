-- int_last_training: each household's most recent completed course (of any kind) on or
-- before the as-at date.
with training as (
    select * from stg_training
    where completed_date <= getvariable('as_at')
),

final as (
    select household_id, max(completed_date) as last_completed
    from training
    group by household_id
)

select * from final
