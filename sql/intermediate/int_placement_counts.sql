-- int_placement_counts: for each as-at date and each child looked after that day, how many
-- placements (int_placement_episodes) the child had in the 12 months and in the 2 years to the
-- date: the placement of the child's first counted episode in the window, and every later one
-- that starts a placement. An episode is in a window when it started by the date and had not
-- ended before the window's first day (one that ended on that day counts; window_12m_start and
-- window_2y_start of as_at_dates); an end after the date is not known yet: still open.
with dates as (
    select * from as_at_dates
),

looked_after as (
    select distinct as_at, child_id from int_looked_after_on_date
),

episodes as (
    select
        looked_after.as_at,
        placement_episodes.child_id,
        placement_episodes.placement_number,
        placement_episodes.episode_end is null
            or placement_episodes.episode_end >= dates.window_12m_start as in_12_months
    from looked_after
    inner join dates using (as_at)
    inner join int_placement_episodes as placement_episodes
        on placement_episodes.child_id = looked_after.child_id
        and placement_episodes.episode_start <= looked_after.as_at
        and (placement_episodes.episode_end is null or placement_episodes.episode_end >= dates.window_2y_start)
),

final as (
    select
        as_at,
        child_id,
        -- the episodes in a window are consecutive: one placement per distinct number
        count(distinct placement_number) filter (where in_12_months) as placements_12_months,
        count(distinct placement_number) as placements_2_years
    from episodes
    group by as_at, child_id
)

select * from final
