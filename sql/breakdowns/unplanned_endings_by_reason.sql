-- unplanned_endings_by_reason: the unplanned endings counted by unplanned_endings_12m (moves
-- out of foster placements in the 12 months to the date set, getvariable('as_at'), whose reason
-- is an unplanned ending), by reason, in plain words (code_labels, from the data contract).
-- The counts add up to the indicator.
with reporting_date as (
    select * from as_at_dates where as_at = getvariable('as_at')
),

changes as (
    select int_placement_changes.*
    from int_placement_changes
    inner join reporting_date
        on int_placement_changes.change_date between reporting_date.window_12m_start and reporting_date.as_at
    where int_placement_changes.is_unplanned
),

final as (
    select
        'unplanned_endings_12m' as metric_id,
        coalesce(labels.label, changes.reason_placement_changed) as category,
        count(*) as count
    from changes
    left join code_labels as labels
        on labels.extract = 'episodes' and labels.column_name = 'REASON_PLACE_CHANGE'
        and labels.code = changes.reason_placement_changed
    group by all
)

select * from final order by category
