-- unplanned_endings: foster placements that ended in the 12 months to each as-at date with a
-- move to another placement, where the recorded reason is the carer's request (CREQB, CREQO),
-- an allegation (ALLEG), standards of care (STAND) or the child's request (CHILD); the
-- denominator is every such move in the 12 months (on record by the date). The 12 months
-- start on window_12m_start of as_at_dates.
with counted as (
    select
        dates.as_at,
        count(changes.change_date) filter (
            where changes.reason_placement_changed in ('CREQB', 'CREQO', 'ALLEG', 'STAND', 'CHILD')
        ) as unplanned,
        count(changes.change_date) as moves
    from as_at_dates as dates
    left join int_placement_changes as changes
        on changes.change_date between dates.window_12m_start and dates.as_at
        and changes.on_record_from <= dates.as_at
    group by dates.as_at
),

final as (
    select as_at, 'unplanned_endings_12m' as metric_id, unplanned as numerator, null::bigint as denominator, null::double as value from counted
    union all select as_at, 'unplanned_endings_share_12m', unplanned, moves, null from counted
)

select * from final
