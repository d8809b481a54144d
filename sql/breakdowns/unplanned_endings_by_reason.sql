-- unplanned_endings_by_reason: moves from foster placements in the 12 months to the date set
-- (getvariable('as_at'); the 12 months start on its window_12m_start in as_at_dates), on record
-- by then, by the recorded reason for the change.
with reporting_date as (
    select * from as_at_dates where as_at = getvariable('as_at')
),

changes as (
    select int_placement_changes.*
    from int_placement_changes
    inner join reporting_date
        on int_placement_changes.change_date between reporting_date.window_12m_start and reporting_date.as_at
        and int_placement_changes.on_record_from <= reporting_date.as_at
),

final as (
    select 'unplanned_endings_12m' as metric_id, coalesce(reason_placement_changed, 'NOT RECORDED') as category, count(*) as count
    from changes
    group by all
)

select * from final order by category
