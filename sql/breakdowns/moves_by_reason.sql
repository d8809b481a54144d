-- moves_by_reason: every move out of a foster placement in the 12 months to the date set
-- (getvariable('as_at'); the moves unplanned_endings_share_12m is a share of), by the recorded
-- reason for the change, in plain words (code_labels, from the data contract). The counts add up
-- to the share's denominator.
with reporting_date as (
    select * from as_at_dates where as_at = getvariable('as_at')
),

changes as (
    select int_placement_changes.*
    from int_placement_changes
    inner join reporting_date
        on int_placement_changes.change_date between reporting_date.window_12m_start and reporting_date.as_at
),

final as (
    select
        'unplanned_endings_share_12m' as metric_id,
        case
            when changes.reason_placement_changed is null then 'Not recorded'
            else coalesce(labels.label, changes.reason_placement_changed)
        end as category,
        count(*) as count
    from changes
    left join code_labels as labels
        on labels.extract = 'episodes' and labels.column_name = 'REASON_PLACE_CHANGE'
        and labels.code = changes.reason_placement_changed
    group by all
)

select * from final order by category
