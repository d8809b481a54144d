-- stg_header: one row per accepted child (SSDA903 header), only the columns the metrics use.
with source as (
    select * from accepted_header
),

renamed as (
    select
        "CHILD" as child_id,
        "SEX" as sex,
        "DOB" as date_of_birth,
        "_line" as source_line
    from source
)

select * from renamed
