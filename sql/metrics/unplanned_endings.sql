-- unplanned_endings: moves out of foster placements (int_placement_changes) in the 12 months to
-- each as-at date (from window_12m_start of as_at_dates): those whose recorded reason is an
-- unplanned ending (is_unplanned), and every move as the share's denominator.
-- reads_from: the earliest day the figures depend on (the 12 months' first day).
with counted as (
    select
        dates.as_at,
        dates.window_12m_start as reads_from,
        count(changes.change_date) filter (where changes.is_unplanned) as unplanned,
        count(changes.change_date) as moves
    from as_at_dates as dates
    left join int_placement_changes as changes
        on changes.change_date between dates.window_12m_start and dates.as_at
    group by dates.as_at, dates.window_12m_start
),

final as (
    select as_at, 'unplanned_endings_12m' as metric_id, unplanned as numerator, null::bigint as denominator, null::double as value, reads_from from counted
    union all select as_at, 'unplanned_endings_share_12m', unplanned, moves, null, reads_from from counted
)

select * from final
