-- int_placement_counts: for each as-at date and each child looked after that day, how many
-- placements (stays with one carer, from int_placement_episodes) were open at any time in the
-- 12 months and in the 2 years to the date (a placement that ended on a window's first day,
-- window_12m_start or window_2y_start of as_at_dates, counts). The DfE short-term and two-year
-- measures read these counts.
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
        placement_episodes.episode_number,
        placement_episodes.episode_start,
        -- an end after the date is not known yet: the episode is still open on it
        case when placement_episodes.episode_end <= looked_after.as_at then placement_episodes.episode_end end as episode_end
    from looked_after
    inner join dates using (as_at)
    inner join int_placement_episodes as placement_episodes
        on placement_episodes.child_id = looked_after.child_id
        and placement_episodes.episode_start <= looked_after.as_at
        -- a placement whose episodes had all ended before the 2 years counts in neither window
        and (placement_episodes.placement_last_end is null
             or placement_episodes.placement_last_end >= dates.window_2y_start)
),

placements as (
    select
        as_at,
        child_id,
        placement_number,
        min(episode_start) as placement_start,
        -- open while its latest episode is open (arg_max_null: max_by would skip that
        -- episode's null end and take an earlier episode's)
        arg_max_null(episode_end, episode_number) as placement_end
    from episodes
    group by as_at, child_id, placement_number
),

final as (
    select
        placements.as_at,
        placements.child_id,
        count(*) filter (
            where placements.placement_end is null
               or placements.placement_end >= dates.window_12m_start
        ) as placements_12_months,
        count(*) filter (
            where placements.placement_end is null
               or placements.placement_end >= dates.window_2y_start
        ) as placements_2_years
    from placements
    inner join dates using (as_at)
    where placements.placement_start <= placements.as_at
    group by placements.as_at, placements.child_id
)

select * from final
