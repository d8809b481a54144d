-- int_looked_after_on_date: children looked after on the as-at date (an episode open that
-- day; an episode ending on the date itself has ceased), excluding agreed series of short
-- breaks (V3/V4), as in every DfE stability measure. With the child's current period of
-- care and age.
with open_episodes as (
    select * from int_episodes_as_at
    where episode_end is null
),

children as (
    select * from stg_header
),

looked_after as (
    select
        open_episodes.child_id,
        open_episodes.period_of_care_number,
        periods.period_start,
        children.date_of_birth
    from open_episodes
    inner join int_periods_of_care as periods
        using (child_id, period_of_care_number)
    left join children using (child_id)
    where not open_episodes.is_short_break
)

select * from looked_after
