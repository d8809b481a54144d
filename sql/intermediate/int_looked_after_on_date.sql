-- int_looked_after_on_date: for each as-at date, children looked after that day (an episode of
-- full care open that day), so excluding agreed series of short breaks (V3/V4), as in every DfE
-- stability measure. With the child's current period of care (int_care_episodes: short breaks
-- break continuity), the start of their current placement (the latest begun by the date; none
-- if no episode counts as a placement) and their date of birth.
with open_episodes as (
    select * from int_open_episodes_on_date where not is_short_break
),

children as (
    select * from stg_header
),

looked_after as (
    select
        open_episodes.as_at,
        open_episodes.child_id,
        care.period_of_care_number,
        periods.period_start,
        children.date_of_birth
    from open_episodes
    inner join int_care_episodes as care using (child_id, episode_number)
    inner join int_periods_of_care as periods
        on periods.child_id = care.child_id
        and periods.period_of_care_number = care.period_of_care_number
    left join children using (child_id)
),

with_current_placement as (
    select looked_after.*, current_placement.placement_start as current_placement_start
    from looked_after
    -- the latest placement start on or before the date
    asof left join int_placement_episodes as current_placement
        on current_placement.child_id = looked_after.child_id
        and current_placement.placement_start <= looked_after.as_at
)

select * from with_current_placement
