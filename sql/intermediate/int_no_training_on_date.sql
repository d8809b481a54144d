-- int_no_training_on_date: the no-training rule, written once. For each as-at date and each
-- look-back (6 and 12 months): every household approved on the date and approved at least the
-- look-back before it, its most recent completed course (of any kind) on or before the date,
-- and whether it completed none in the look-back (its last course, if any, on or before the
-- day the look-back starts from). The no_training_6m and no_training_12m metrics count these
-- households; the training coordinator's list names the 12-month ones.
with households as (
    select * from int_households_on_date
),

training as (
    select * from stg_training
),

look_backs as (
    select * from (values (6), (12)) as look_backs(look_back_months)
),

last_training as (
    select households.as_at, households.household_id, households.approval_date, training.completed_date as last_completed
    from households
    -- the latest completion on or before the date: the household's maximum up to then
    asof left join training
        on training.household_id = households.household_id
        and training.completed_date <= households.as_at
),

by_look_back as (
    select
        last_training.*,
        look_backs.look_back_months,
        last_training.as_at - to_months(look_backs.look_back_months) as look_back_from
    from last_training
    cross join look_backs
),

final as (
    select
        as_at,
        look_back_months,
        household_id,
        last_completed,
        last_completed is null or last_completed <= look_back_from as has_no_training
    from by_look_back
    where approval_date <= look_back_from
)

select * from final
