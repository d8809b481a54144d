-- stg_training: one row per accepted completed course.
with source as (
    select * from accepted_training
),

renamed as (
    select
        training_id,
        household_id,
        upper(course) as course,
        core_course = 'Y' as is_core_course,
        completed_date,
        "_line" as source_line
    from source
)

select * from renamed
