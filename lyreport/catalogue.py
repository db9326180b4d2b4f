"""Every problem code any stage raises: its severity and its Chinese message template, by stage.

Message templates use str.format placeholders (problems.problem fills them; a missing field shows "？").
What staff read is written here, so a message names the file, sheet or cell through the Problem's location
and says what to do.
"""

from __future__ import annotations

ERROR = "error"
WARNING = "warning"
INFO = "info"

# code -> (severity, Chinese message template)
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- master list / unit directory / config (master.py, config.py) ---
    "master-missing": (ERROR, "找不到措施清单文件：{path}"),
    "master-unreadable": (ERROR, "措施清单无法读取：{reason}"),
    "master-no-sheet": (ERROR, "措施清单中找不到工作表“{sheet_name}”"),
    "master-missing-column": (ERROR, "措施清单缺少“{column}”列"),
    "master-duplicate-no": (ERROR, "序号 {no} 重复（另见第 {other_row} 行）"),
    "master-bad-no": (ERROR, "序号“{value}”不是有效的正整数"),
    "master-no-text": (ERROR, "第 {no} 条措施内容为空"),
    "master-no-unit": (ERROR, "第 {no} 条措施未填写责任单位"),
    "master-unknown-unit": (ERROR, "第 {no} 条措施的责任单位“{name}”不在单位名录中{hint}"),
    "master-ambiguous-unit": (ERROR, "第 {no} 条措施的责任单位“{name}”可对应多个单位：{candidates}"),
    "master-bad-date": (ERROR, "第 {no} 条措施的节点日期“{value}”无法识别，请写成 2021-06-30 这样的日期"),
    "master-derived-date": (
        INFO,
        "第 {no} 条措施未填节点日期，已按时间节点“{wording}”推算为 {dates}（基准年份 {base_year}{assumed}）",
    ),
    "master-undated-timing": (
        WARNING,
        "第 {no} 条措施未填节点日期，时间节点“{wording}”中的“{unread}”无法推算为日期，"
        "该节点不参与逾期判定；请在节点日期列填写，如 2021-06-30",
    ),
    "master-empty": (ERROR, "措施清单中没有任何措施"),
    "master-no-node-column": (
        WARNING,
        "措施清单中找不到“节点日期”列，也没有“时间节点”列：各措施都没有节点日期，不判断逾期；请检查表头是否被改动",
    ),
    "master-merged-cell": (INFO, "“{column}”列 {cells} 为合并单元格，第 {nos} 条措施均按该单元格的内容读取"),
    "master-bad-base-year": (ERROR, "清单信息中的基准年份“{value}”无法识别，请写成 2020 这样的四位年份"),
    "master-history-differs": (WARNING, "措施清单中第 {no} 条的内容与往期不同（可能重新编号），往期状态未沿用"),
    "master-history-moved": (INFO, "措施清单中以下措施序号已变、内容与往期相同，按内容沿用其往期状态：{moved}"),
    "deadline-changed": (
        WARNING,
        "该周上次运行时的报送截止时间为 {before}，本次按配置.toml 中现在的截止时间 {now} 判定按时、迟报；"
        "如配置的改动只适用于以后各周，请改回原设置后重新运行该周",
    ),
    "master-changed-since": (
        WARNING,
        "该周上次汇总后措施清单已改动（{changes}），本次按现在的措施清单重新汇总该周，结果（完成状态、亮灯、逾期）"
        "可能与已发的通报不同；如清单的改动只适用于以后各周，请改回原清单后重新运行该周",
    ),
    "history-unit-unknown": (
        WARNING,
        "上期（{week}）记录中的单位“{name}”不在现在的措施清单和单位名录中，其往期状态和连续未报送次数未计入任何单位；"
        "如该单位已改名，请在单位名录中把旧名“{name}”写进新名称的“简称及别名”后重新运行",
    ),
    "directory-missing": (ERROR, "找不到单位名录文件：{path}"),
    "directory-unreadable": (ERROR, "单位名录无法读取：{reason}"),
    "directory-duplicate": (ERROR, "单位名录中“{name}”重复出现（另见第 {other_row} 行）"),
    "directory-alias-clash": (ERROR, "别名“{alias}”同时属于“{first}”和“{second}”"),
    "directory-no-name": (ERROR, "单位名录第 {row} 行未填写单位名称"),
    "config-missing": (ERROR, "找不到配置文件：{path}"),
    "config-invalid": (ERROR, "配置文件有误：{reason}"),
    "workspace-missing": (
        ERROR,
        "当前目录不是 lyreport 工作目录（缺少 {path}）。请先运行 lyreport init 创建工作目录，或用 --workspace 指定",
    ),
    # --- discover (intake/discover.py) ---
    "inbox-empty": (WARNING, "收件箱中没有找到任何文件，请确认各单位报送的文件已放入该文件夹"),
    "week-none-answered": (
        WARNING,
        "{week} 这一周没有计入任何报表、各单位都记为未报送，收件箱中有 {count} 个文件属于其他周（所属周次见各文件的提示）；"
        "如果本周的文件还没有放入收件箱，或要汇总的是另一周，请放入文件或用 --week 指定后重新运行",
    ),
    "file-ignored": (INFO, "已忽略：{reason}"),
    "file-unsupported": (WARNING, "不是可识别的报表或扫描件（扩展名“{ext}”），未处理"),
    "file-too-large": (ERROR, "文件过大（{size}），超过上限 {limit}，未读取"),
    "file-unreadable": (ERROR, "文件无法打开：{reason}"),
    "file-content-workbook": (WARNING, "扩展名是“{ext}”，内容却是{actual}（扩展名与内容不符），已按电子表格读取"),
    "file-content-sniffed": (WARNING, "文件名没有表明文件类型的扩展名，按内容识别为{actual}并读取，请核实"),
    "zip-corrupt": (ERROR, "压缩包已损坏或不完整，无法解压：{reason}"),
    "zip-encrypted": (ERROR, "压缩包已加密，无法解压，请对方发送未加密的文件"),
    "zip-bomb": (ERROR, "压缩包解压后过大或文件过多（疑似“压缩炸弹”），已拒绝"),
    "unsafe-name": (WARNING, "附件或压缩包成员名“{name}”含有路径字符，已按安全文件名“{safe}”处理"),
    "eml-unreadable": (ERROR, "邮件无法解析：{reason}"),
    "eml-no-attachment": (WARNING, "邮件中没有电子表格或扫描件附件"),
    "eml-smime-encrypted": (
        ERROR,
        "已收到邮件，但邮件内容已加密（S/MIME 或 PGP 加密邮件），只有收件证书的持有人才能解开，本程序无法读取其中的报表。"
        "请对方取消邮件加密（数字签名可以保留）后重新发送",
    ),
    "eml-smime-damaged": (
        ERROR,
        "已收到邮件，但邮件是带数字签名的 S/MIME 格式，签名数据已损坏（可能在传输中被截断），无法取出其中的报表。请对方重新发送",
    ),
    "eml-tnef": (
        ERROR,
        "已收到邮件，但附件“{name}”是 Outlook 以 RTF 格式发信时生成的打包文件（TNEF），报表很可能在其中，本程序无法取出。"
        "请对方在 Outlook 中改用 HTML 或纯文本格式重新发送，或用 winmail.dat 查看工具取出附件后放入收件箱",
    ),
    "mail-office-own": (
        INFO,
        "本办邮箱 {sender} 自己发出的邮件（通知的抄送或退信），附件是未填写（或未改动）的模板，不是任何单位的报送，未计入",
    ),
    "mail-others-blank": (
        INFO,
        "{sender}发来的邮件附带的是{unit}未填写（或未改动）的模板（多为转发通知时连同附件一起转出），不是{unit}的报送，未计入",
    ),
    "office-ledger": (
        WARNING,
        "本文件是本办汇总生成的工作台账（含“措施进展”“报送情况”等工作表，多为回复通报邮件时仍带着附件），不是单位报表，未读取；"
        "如该单位本周另无报表，仍为未报送",
    ),
    "eml-tnef-read": (
        INFO,
        "附件“{name}”是 Outlook 以 RTF 格式发信时生成的打包文件（TNEF），已从中取出 {count} 个文件，按邮件附件读取",
    ),
    "eml-tnef-damaged": (
        WARNING,
        "附件“{name}”（Outlook 的 TNEF 打包文件）没有完整读出（{reason}），只取出了其中 {count} 个文件，其余可能缺失；"
        "请打开邮件核对，必要时请对方在 Outlook 中改用 HTML 或纯文本格式重新发送",
    ),
    "eml-download-link": (
        ERROR,
        "已收到邮件，但报表没有作为附件随邮件发来：邮件正文中是超大附件（云附件）的下载链接{files}。"
        "请打开邮件下载文件（链接有有效期）后放入收件箱，再重新运行；下载的文件的收到时间请按本邮件的收到时间 {time} 核实",
    ),
    "eml-inline-image-only": (
        WARNING,
        "邮件中没有电子表格或扫描件附件，但邮件正文中有图片，可能是扫描件（图片较小，未按扫描件读取）；"
        "请打开邮件查看，必要时请报送单位以附件重新发送",
    ),
    "mail-inline-scan": (INFO, "邮件正文中粘贴的图片较大，可能是盖章表的照片或扫描件，已按扫描件读取"),
    "eml-attachment-unidentified": (
        WARNING,
        "邮件中有一个没有文件名的附件（类型 {type}），无法从内容识别为电子表格、扫描件或压缩包，未处理；请打开邮件查看",
    ),
    "nested-too-deep": (ERROR, "压缩包或邮件嵌套层数过多，已停止展开"),
    # --- read (intake/read.py) ---
    "read-corrupt": (ERROR, "文件已损坏或不是有效的 Excel/WPS 表格，无法读取：{reason}"),
    "read-encrypted": (ERROR, "表格设置了打开密码，无法读取，请对方去掉密码后重新报送"),
    "read-wrong-type": (ERROR, "文件内容是{actual}，不是可读取的电子表格（扩展名与内容不符）"),
    "read-bomb": (ERROR, "表格解压后过大（疑似“压缩炸弹”），已拒绝读取"),
    "read-too-many-rows": (
        ERROR,
        "工作表“{sheet_name}”范围过大（{rows} 行 × {cols} 列），超出正常报表规模，已拒绝读取",
    ),
    "read-xml-entity": (ERROR, "表格中含有 XML 实体声明（可能是恶意文件），已拒绝读取"),
    "read-crashed": (ERROR, "读取时读取程序异常退出（{reason}），该文件已跳过"),
    "read-timeout": (ERROR, "读取超时（超过 {seconds} 秒），该文件已跳过"),
    "read-empty": (ERROR, "表格中没有任何内容"),
    "file-changed-during-run": (
        ERROR,
        "文件在汇总过程中被改动（可能正在保存或被覆盖），读到的内容可能不是最终版本，未使用；请等文件保存完毕后重新运行",
    ),
    # --- parse (intake/parse.py) ---
    "no-table": (ERROR, "找不到报表表头（应含“序号”“完成状态”“本周进展”等列），无法识别为落实情况报表"),
    "unit-unknown": (ERROR, "无法确定报送单位：{reason}"),
    "unit-name-unknown": (WARNING, "填报单位“{name}”不在单位名录中"),
    "unit-other-place": (
        WARNING,
        "{where}“{name}”中的“{units}”{side}写有其他地方的名称（如济源市、某某县），是别处的单位，不按“{units}”计入；"
        "如确为本单位报送，请在表中写明本单位名称",
    ),
    "unit-other-place-unlisted": (
        WARNING,
        "填报单位“{name}”是其他地方（{place}）的单位，不在单位名录中，该报表不计入任何单位；如确为本单位报送，请在表中写明本单位名称",
    ),
    "unit-place-after": (
        WARNING,
        "填报单位“{name}”中除“{unit}”外还写有其他地方的名称“{place}”，按“{unit}”计入；"
        "如是{place}的单位报送或几个单位联合报送，请与{unit}核实",
    ),
    "unit-joint": (
        WARNING,
        "填报单位“{name}”中写有“{word}”，可能是几个单位联合报送，按“{unit}”计入；请与{unit}核实",
    ),
    "unit-ambiguous": (WARNING, "填报单位“{name}”可对应多个单位：{candidates}"),
    "unit-conflict": (WARNING, "报送单位判断不一致：{details}；按“{chosen}”处理"),
    "unit-inferred": (
        WARNING,
        "表中、文件名和发件人均未写明报送单位，已按所填措施（第 {nos} 条）推断为“{unit}”，请核对并在表中填写填报单位",
    ),
    "week-unknown": (WARNING, "无法确定所属周次，按收到时间归入 {week} 这一周"),
    "week-other": (INFO, "本表属于 {week} 这一周的报送，不计入本周"),
    "week-conflict": (WARNING, "周次判断不一致：{details}；按 {chosen} 处理"),
    "template-other-list": (WARNING, "本表由其他措施清单（{list_id}）生成，与当前清单（{expected}）不一致"),
    "return-other-list": (
        WARNING,
        "本表填写的是其他措施清单（{other}）的措施（{evidence}），不是当前清单（{expected}）的报表，"
        "未读取完成状态，不计入当前清单",
    ),
    "measure-unknown": (ERROR, "序号“{value}”不在措施清单中"),
    "measure-no-empty": (ERROR, "该行填写了内容（{value}），但未填写序号，无法对应到措施"),
    "measure-no-inferred": (WARNING, "序号为空，已按措施内容识别为第 {no} 条措施，请补填序号"),
    "measure-no-mismatch": (
        WARNING,
        "序号“{value}”与措施内容不符，已按措施内容识别为第 {no} 条措施（可能是按本单位顺序自行编号），请核对序号",
    ),
    "status-interpreted": (INFO, "完成状态“{value}”已按“{status}”处理"),
    "no-rows": (ERROR, "表中没有读到任何有效的措施行"),
    "table-several": (
        WARNING,
        "同一工作表中有 {count} 张报表（表头在第 {rows} 行），已读取表头在第 {row} 行的一张（{why}），其余未计入",
    ),
    "template-unit-unknown": (WARNING, "报表模板标识中的单位“{name}”不在单位名录中"),
    "measure-not-assigned": (WARNING, "第 {no} 条措施不是本单位的责任事项"),
    "measure-missing": (ERROR, "本单位负责的第 {nos} 条措施未填报"),
    "measure-duplicate": (WARNING, "第 {no} 条措施重复填报（另见第 {other_row} 行），以后一行为准"),
    "status-unknown": (ERROR, "完成状态“{value}”无法识别，应为：已完成、正常推进、进度滞后、尚未启动"),
    "status-empty": (ERROR, "第 {no} 条措施未填写完成状态"),
    "status-choices": (
        ERROR,
        "完成状态“{value}”列出了几种状态，但无法确定勾选的是哪一项（没有勾选、勾选了几项或有的选项旁没有方框，扫描件上的勾选符号也可能未能识别），"
        "未按任何状态处理，请对照原件核实",
    ),
    "status-marked": (
        ERROR,
        "完成状态“{value}”中有“{mark}”（打叉、空框、问号、删除线或其他无法确认含义的符号），不能确定是何状态，"
        "未按任何状态处理；应为：已完成、正常推进、进度滞后、尚未启动",
    ),
    "status-struck": (
        ERROR,
        "完成状态“{value}”带有删除线（被划掉），不能确定是何状态，未按任何状态处理（不按“已完成”销号）；"
        "应为：已完成、正常推进、进度滞后、尚未启动，请单位改正",
    ),
    "status-struck-lag": (
        WARNING,
        "完成状态“{value}”带有删除线（被划掉），仍按最不利的“进度滞后”读取；如已不再滞后，请单位改正",
    ),
    "status-struck-part": (
        WARNING,
        "完成状态“{value}”中的“{struck}”带有删除线（被划掉），已按未划掉的“{kept}”读取，请核对",
    ),
    "measure-struck": (
        WARNING,
        "第 {no} 条措施的{label}“{value}”带有删除线（被划掉），仍按第 {no} 条措施读取；"
        "如该措施已撤销或不属本单位负责，请与报送单位核实",
    ),
    "strike-unplaced": (
        WARNING,
        "表格中有带删除线（被划掉）的文字，但无法确定是哪些单元格，完成状态按原文读取；请打开原表核对是否有被划掉的完成状态",
    ),
    "status-empty-part": (
        ERROR,
        "第 {no} 条措施分多行填写，上方第 {above} 行为“已完成”，本行未填写完成状态，该措施不按“已完成”（销号）处理；"
        "如确已全部完成，请在本行也填写“已完成”",
    ),
    "progress-empty": (WARNING, "第 {no} 条措施未完成，但本周进展为空"),
    "contact-missing": (WARNING, "未填写联系人"),
    "phone-missing": (WARNING, "未填写联系电话"),
    "phone-invalid": (WARNING, "联系电话“{value}”格式不正确（应为手机号或 0379 开头的固定电话）"),
    "date-missing": (WARNING, "未填写填报日期"),
    "date-invalid": (WARNING, "日期“{value}”无法识别"),
    "date-ambiguous": (
        WARNING,
        "日期“{value}”是数字，可能是“{other}”被 Excel 去掉了末尾的 0；已按 {read} 读取，请核实，"
        "并把该单元格设为文本或写成 2021-10-31 这样的日期",
    ),
    "date-not-day": (
        WARNING,
        "填报日期“{value}”没有写明哪一天，不用于确定所属周次（按报表模板标识或收到时间确定），请填写具体日期",
    ),
    "formula-text": (INFO, "单元格内容以“=”开头（{value}），已按普通文字处理，不作为公式执行"),
    "duplicate-return": (INFO, "同一单位同一周有多份报表，本份已被《{newer}》取代（{why}）"),
    "duplicate-file": (INFO, "与《{other}》内容完全相同，只计一次"),
    # --- hand-made returns: statuses in words, what the workbook holds (intake/rows.py, parse.py, choose.py) ---
    "status-done-reserved": (
        INFO,
        "完成状态“{value}”写有未完成的部分，不按“已完成”（销号）处理，已按“{status}”处理；如确已全部完成请改为“已完成”",
    ),
    "return-blank": (
        ERROR,
        "报表中各措施的完成状态和本周进展均未填写（可能是空白模板被直接发回），按报送有误处理，请对方填写后重新报送",
    ),
    "status-tick-columns": (
        ERROR,
        "完成状态按“每种状态一列、在其中打勾”的格式填写（{words}），本程序不读取勾选，按报送有误处理；"
        "请对方在“完成状态”一列中直接填写已完成、正常推进、进度滞后或尚未启动后重新报送",
    ),
    "return-unchanged": (
        ERROR,
        "报表各措施的完成状态、本周进展等与模板预填的上次报送内容完全相同（可能是预填模板未作更新就发回），"
        "未反映本周落实情况，按报送有误处理，请对方更新后重新报送；如本周确无变化，请在“本周进展”中注明",
    ),
    "row-hidden": (WARNING, "第 {row} 行被隐藏（{value}），未计入本周报送；如该行是本周内容，请取消隐藏后重新报送"),
    "column-hidden": (WARNING, "“{label}”列（{col} 列）被隐藏，仍按该列读取，请核对"),
    "column-chosen": (INFO, "表中有多列“{field}”（{columns}），已按“{chosen}”（{col} 列）读取（{why}），其余列未计入"),
    "column-ambiguous": (
        WARNING,
        "表中有多列“{field}”（{columns}），无法确定哪一列是本周的，已按“{chosen}”（{col} 列）读取，请核对",
    ),
    "cell-linked": (
        WARNING,
        "“{field}”单元格是取自其他文件、外部程序或网络的公式（={formula}），读到的“{value}”是对方电脑保存时的结果，"
        "不是在本表中填写的，打开或更新链接后可能变为别的内容，请与单位核实后直接填写",
    ),
    "cell-recalc": (
        WARNING,
        "“{field}”单元格是公式（={formula}），文件由其他软件生成，读到的“{value}”是该软件写入的结果，未经 Excel/WPS "
        "计算，在 Excel/WPS 中打开后可能显示为别的内容，请打开核对，或请单位直接填写",
    ),
    "formula-no-value": (
        ERROR,
        "单元格是公式，但文件中没有保存计算结果（多见于程序生成的表格），无法读取其内容，"
        "请在 Excel/WPS 中打开并保存后重新报送",
    ),
    "status-concealed": (
        ERROR,
        "完成状态单元格中的“{value}”在表上看不到（{how}），不能确定以哪个为准，"
        "未按任何状态处理（按未报送对待），请单位改正后重新报送",
    ),
    "cell-concealed": (
        WARNING,
        "“{field}”单元格中的“{value}”在表上看不到（{how}），已按单元格内容读取，请核对",
    ),
    "status-conditional": (
        ERROR,
        "完成状态“{value}”所在单元格设有条件格式（{range}，{how}），条件满足时表上看不到或显示为别的内容，"
        "不能确认表上显示的是“{value}”，未按已完成处理（按未报送对待），请单位删除该条件格式后重新报送",
    ),
    "conditional-may-hide": (
        WARNING,
        "完成状态单元格设有条件格式（{range}，{how}），条件满足时表上看不到或显示为别的内容，"
        "已按单元格内容读取，请核对",
    ),
    "status-unread": (
        ERROR,
        "完成状态单元格在文件中的写法不规范（文字类型、没有公式，文字不在规定位置，多见于程序生成的表格），"
        "文件中记有“{value}”，但无法确定表格软件是否这样显示，未按任何状态处理（按未报送对待），"
        "请在 Excel/WPS 中打开并保存后重新报送",
    ),
    "cell-unread": (
        WARNING,
        "“{field}”单元格在文件中的写法不规范（文字类型、没有公式，文字不在规定位置，多见于程序生成的表格），"
        "文件中记有“{value}”，未能读取，已按空白处理，请核对",
    ),
    "cell-error": (
        ERROR,
        "“{field}”单元格为 Excel 错误值 {value}（{meaning}），未读取，请对方改正公式或直接填写后重新报送",
    ),
    "measure-rows-combined": (
        INFO,
        "第 {no} 条措施分多行填写（第 {rows} 行），已合并为一条：完成状态取最不利的“{status}”，进展等文字依次连接",
    ),
    "measure-no-date": (
        WARNING,
        "序号是日期“{value}”（多为输入“10-1”“1/2”这样的分项序号时被 Excel 自动转成了日期），"
        "已按第 {no} 条措施的分项读取，请把序号单元格设为文本后重新填写",
    ),
    "measure-sub-guessed": (
        WARNING,
        "序号“{value}”不是本单位的措施，该行又未填写措施内容，已按上一行（第 {row} 行）第 {no} 条措施的分项读取，"
        "完成状态取最不利的，请核对",
    ),
    "measure-sub-apart": (
        WARNING,
        "序号“{value}”是第 {no} 条措施的分项，但未紧接在该措施的其他各行之下，已按第 {no} 条读取，请核对",
    ),
    "measure-row-several": (
        WARNING,
        "序号“{value}”一行同时填报了第 {nos} 条措施，已按同一完成状态（{status}）分别计入；请核实各条措施的进展是否确实相同，今后每条措施单独填写一行",
    ),
    "measure-no-weak": (
        WARNING,
        "序号“{value}”与措施内容不符，措施内容与第 {no} 条最接近（约 {share} 相同），已按第 {no} 条读取，请核对序号",
    ),
    "measure-text-differs": (WARNING, "所填措施内容与清单第 {no} 条措施不一致，已按序号读作第 {no} 条，请核对"),
    "table-chosen": (INFO, "工作簿中有多张报表，已读取{chosen}（{why}）；未计入：{skipped}"),
    "table-chosen-unsure": (
        WARNING,
        "工作簿中有多张报表，所填完成状态不同，无法判断哪张是本周的（填报日期未填写或相同）：已读取{chosen}（{why}）；"
        "未计入：{skipped}。请与报送单位核实以哪张为准",
    ),
    "sheet-hidden-read": (WARNING, "报表在隐藏的工作表“{sheet_name}”中，已按该表读取，请核对是否为本周内容"),
    "sheet-other-unit": (INFO, "工作表“{sheet_name}”是{other}的报表，已作为该单位的报送单独计入"),
    # --- red-team fixes (intake/rows.py, intake/read.py) ---
    "rows-after-table": (
        WARNING,
        "表格结束（“注”或签字盖章行）之后第 {rows} 行还填有措施和完成状态，未读取；如是本周内容，请与报送单位核实",
    ),
    "status-at-table-end": (
        WARNING,
        "表格结束处（“注”或签字盖章行）的完成状态栏填有“{value}”，未读取；可能是上一条措施完成状态的更正，请核对",
    ),
    "measure-duplicate-conflict": (
        WARNING,
        "第 {no} 条措施重复填报且完成状态不一致（第 {other_row} 行“{first}”，本行“{second}”），"
        "已按较不利的“{status}”读取，请核对哪一行是本周内容",
    ),
    "status-contradicted": (
        ERROR,
        "第 {no} 条措施完成状态为“{status}”，但同一行“{label}”（{col}）填写“{value}”，前后矛盾；"
        "未按已完成读取（按未报送对待），请对方核实后重新报送",
    ),
    "status-progress-lag": (
        WARNING,
        "第 {no} 条措施完成状态为“{status}”，但同一行本周进展（{col}）只写了“{other}”，可能两列填反；"
        "已按较不利的“进度滞后”读取，请核对",
    ),
    "status-second-lag": (
        WARNING,
        "第 {no} 条措施完成状态为“{status}”，但同一行“{label}”（{col}）填写“{value}”，两列不一致；"
        "已按较不利的“进度滞后”读取，请核对",
    ),
    "status-second-conflict": (
        ERROR,
        "第 {no} 条措施完成状态为“{status}”，但同一行“{label}”（{col}）填写“{value}”，两列不一致，"
        "无法判断哪个是本周状态；未读取该措施的完成状态（按未报送对待），请对方核实后重新报送",
    ),
    "status-progress-conflict": (
        ERROR,
        "第 {no} 条措施完成状态为“{status}”，但同一行本周进展（{col}）只写了“{other}”，可能两列填反，"
        "无法判断哪个是本周状态；未读取该措施的完成状态（按未报送对待），请对方核实后重新报送",
    ),
    "status-denied-in-text": (
        ERROR,
        "第 {no} 条措施完成状态为“已完成”，但同一行“{label}”（{col}）写有“{value}”，前后矛盾；"
        "未按已完成读取（按未报送对待），请对方核实后重新报送",
    ),
    "status-note-conflict": (
        ERROR,
        "第 {no} 条措施完成状态为“{status}”，但该单元格的批注写有“{note}”（{other}），前后矛盾；"
        "未读取该措施的完成状态（按未报送对待），请对方核实后重新报送",
    ),
    "status-note-denies": (
        ERROR,
        "第 {no} 条措施完成状态为“已完成”，但该单元格的批注写有“{note}”，前后矛盾；"
        "未按已完成读取（按未报送对待），请对方核实后重新报送",
    ),
    "status-note-lag": (
        WARNING,
        "第 {no} 条措施完成状态为“{status}”，但该单元格的批注写有“{note}”，提到进度滞后；已按“{read}”读取，请核对",
    ),
    "status-note": (INFO, "第 {no} 条措施完成状态“{status}”的单元格有批注：“{note}”"),
    "status-done-check-unclear": (
        ERROR,
        "第 {no} 条措施完成状态为“已完成”，但同一行“{label}”（{col}）填写“{value}”，看不出是否已完成；"
        "未按已完成读取（按未报送对待），请对方核实后重新报送",
    ),
    "status-denied-in-plan": (
        WARNING,
        "第 {no} 条措施完成状态为“已完成”，但同一行“{label}”（{col}）写有“{value}”，似乎尚未全部完成；"
        "已按“已完成”读取，请与报送单位核实是否确已完成",
    ),
    "status-lag-in-text": (
        WARNING,
        "第 {no} 条措施完成状态为“{status}”，但同一行“{label}”（{col}）写有“{value}”，提到进度滞后；"
        "已按“{status}”读取，请核对是否进度滞后",
    ),
    "status-done-in-text": (
        WARNING,
        "第 {no} 条措施完成状态为“{status}”，但同一行“{label}”（{col}）写有“{value}”，说明已全部完成；"
        "已按“{status}”读取，请核对是否已完成",
    ),
    "status-done-expected-later": (
        WARNING,
        "第 {no} 条措施完成状态为“已完成”，但预计完成时间为{day}，在本周之后；已按“已完成”读取，"
        "请核实是否已全部完成（已提前完成的，请单位把预计完成时间改为实际完成日期）",
    ),
    "status-done-elsewhere": (
        WARNING,
        "第 {no} 条措施同一行“{label}”（{col}）填写“{value}”，但完成状态为“{status}”，已按“{status}”读取，请核对是否已完成",
    ),
    "status-from-merge": (
        WARNING,
        "第 {no} 条措施的完成状态单元格与上方第 {top} 行合并，已按合并单元格的“{status}”读取，请核对",
    ),
    "column-last-week": (
        ERROR,
        "只找到上周的完成状态列（{col} 列“{label}”），未找到本周完成状态，本表各措施的完成状态均未读取"
        "（按未报送对待），请对方填写本周完成状态后重新报送",
    ),
    "column-last-week-read": (
        WARNING,
        "只找到上周的“{field}”列（{col} 列“{label}”），未找到本周的，已按该列读取，请核对是否为本周内容",
    ),
    "column-status-other": (
        WARNING,
        "表头中的“{label}”（{other} 列）看似也是完成状态，未计入；已按“{chosen}”（{col} 列）读取完成状态，"
        "请核对哪一列是本周的",
    ),
    "measure-text-other": (
        WARNING,
        "所填措施内容是第 {other} 条措施（{owner}负责）的内容，与序号“{value}”不符，"
        "已按序号读作第 {no} 条，请核对序号和措施内容",
    ),
    # --- scans ---
    "scan-unmatched": (WARNING, "扫描件无法对应到单位（文件名中未找到单位名称）"),
    "scan-missing": (WARNING, "{unit}已报送电子版，但未收到盖章扫描件"),
    "scan-only": (INFO, "{unit}只报送了盖章扫描件，未收到电子版报表；本周情况按扫描件识别结果统计"),
    # --- reading scans (intake/scan/, assign.py) ---
    "scan-unreadable": (WARNING, "扫描件无法识别：{reason}。已计为收到扫描件，请人工查看原件"),
    "scan-unstamped": (WARNING, "扫描件上未发现红色公章，请核实是否已盖章"),
    "scan-seal-unknown": (WARNING, "扫描件为黑白或灰度图像，无法根据印章颜色判断是否盖章，请人工核实"),
    "scan-mismatch": (
        WARNING,
        "第 {no} 条措施：盖章扫描件上的完成状态为“{scan}”，电子版为“{electronic}”；以电子版为准，请与报送单位核实",
    ),
    "scan-unchecked": (
        WARNING,
        "第 {nos} 条措施在盖章扫描件上的完成状态未能识别（空白、划掉或勾选无法辨认），未能与电子版核对是否一致，请对照原件核实",
    ),
    "scan-other-week": (
        WARNING,
        "扫描件注明属于 {week} 这一周（{source}），不计为本周的扫描件，可能误发了往期纸质报表，请与报送单位核实",
    ),
    "scan-low-confidence": (
        WARNING,
        "第 {no} 条措施的{field}识别为“{value}”，但识别把握不大（{score}），请对照原件核对",
    ),
    "scan-done-bare": (
        WARNING,
        "第 {no} 条措施的完成状态在扫描件上只识别出“{text}”（没有“已”）：前面的“未”“尚未”可能被印章、划线或页边遮住而未能识别；"
        "已按“已完成”读取，请对照原件核实",
    ),
    "scan-start-bare": (
        WARNING,
        "第 {no} 条措施的完成状态在扫描件上只识别出“{text}”：前面的“未”“尚未”可能被印章、污渍、划线或页边遮住而未能识别"
        "（原文可能是“{maybe}”）；已按“正常推进”读取，请对照原件核实",
    ),
    "scan-status-two": (
        WARNING,
        "{measure}的完成状态栏中并排写有“{words}”几个不同的状态（多为划掉后改写，而划线未能识别），"
        "无法确定以哪个为准，已按其中最不利的“{status}”读取，请对照原件核实",
    ),
    # said of the file whatever the week (intake/pipeline.py), so not again among a scan's own notes
    "scan-several-units": (
        INFO,
        "扫描件含 {count} 个单位的报表：{units}；已按各页二维码（没有二维码的页按所写的填报单位）分别计入各单位",
    ),
    "scan-weeks-mixed": (
        WARNING,
        "扫描件各页所属的报送周不同（据各页的二维码、页脚印的报送周或填报日期：{weeks}），可能混入了其他周的纸质表；已按各周分开处理，"
        "其他周的页不计为本周的扫描件，其中的完成状态不会当作本周的，请与报送单位核实并补报本周完整的盖章扫描件",
    ),
    "scan-page-week-unknown": (
        WARNING,
        "扫描件第 {pages} 页没有二维码，页脚未印或未能识别报送周，表内的填报日期也未能识别，无法确认其属于本周的报表"
        "（可能混入了往期已签字盖章的旧页）；已按本周读取，请对照原件核对其中的完成状态",
    ),
    "scan-pages-skipped": (WARNING, "扫描件共 {total} 页，只读取了前 {read} 页"),
    "scan-page-turned": (INFO, "第 {page} 页为{how}扫描，已自动旋转后识别"),
    "scan-page-missing": (
        WARNING,
        "扫描件缺少{missing}（表上注明共 {total} 页）{holds}，请核实是否漏扫并补报",
    ),
    "scan-page-cut": (
        WARNING,
        "第 {page} 页扫描不完整：表格的文字在页面{edge}边缘被截断，{lost}请对照原件核对，必要时重新完整扫描后补报",
    ),
    "scan-page-duplicate": (INFO, "第 {page} 页与第 {other} 页是同一页的两份扫描，内容相同，只计一次"),
    "scan-page-copies-differ": (
        WARNING,
        "第 {page} 页与第 {other} 页是表上同一页（第 {printed} 页）的两份扫描，但第 {nos} 条措施所填不一致；"
        "已按后一份（第 {page} 页）读取，请对照原件核实",
    ),
    "scan-corrupt": (ERROR, "文件无法打开：{reason}"),
    "scan-encrypted": (ERROR, "PDF 设置了打开密码，无法读取"),
    "scan-ofd-no-font": (
        ERROR,
        "OFD 文件中的文字要用中文字体显示，本机没有找到（宋体、微软雅黑、黑体或 Noto CJK），无法识别；请对方另发 PDF 或图片",
    ),
    "scan-too-many-pixels": (ERROR, "图片像素过多（疑似异常或恶意文件），已拒绝读取"),
    "scan-page-too-large": (ERROR, "PDF 第 {page} 页尺寸异常，已拒绝读取"),
    # --- merge ---
    "unit-missing": (WARNING, "{unit}本周未报送"),
    "week-stale": (
        WARNING,
        "本周收到，但{source}注明属于 {week} 这一周，可能误用了往期报表，未计入本周，请与报送单位核实",
    ),
    "file-already-archived": (
        WARNING,
        "与 {week} 这一周已收到的《{other}》内容完全相同，可能是重发了往期的报表，未计入本周，请与报送单位核实",
    ),
    "archived-container-unreadable": (
        WARNING,
        "历史存档中 {week} 这一周收到的《{name}》{reason}，无法核对本周收到的报表是否重发了其中的往期报表，"
        "请核实（如有原件，可放回存档原处）",
    ),
    "resend-check-failed": (
        WARNING,
        "历史记录暂时无法读取（{reason}，可能正在运行“lyreport run”），未能核对本周收到的报表是否重发了往期的报表，"
        "以上报送情况可能把重发的往期报表算作已报送，请稍后再查看",
    ),
    "week-not-due": (
        WARNING,
        "本周报送截止时间 {deadline} 尚未到（运行时间 {now}），尚未收到的单位暂列为“未报送”，"
        "通报、台账和催报名单都不是本周的最终结果，请在截止后重新运行{hint}",
    ),
    "week-default-previous": (
        INFO,
        "未指定 --week：本周报送截止时间 {due} 尚未到，按上一周 {week}（尚未汇总）汇总；"
        "如要汇总本周，请在截止后运行，或指定 --week",
    ),
    "week-arg-resolved": (
        INFO,
        "--week {given} 是星期{weekday}，不是截止日，按它所在的报送周（截止日 {week}）汇总；"
        "如要汇总别的一周，请指定该周的截止日",
    ),
    "week-recorded-without": (
        WARNING,
        "本表属于 {week} 这一周（{received} 收到），该周已经汇总，但汇总时还没有本表{recorded}；"
        "未计入本周。如需把本表计入该周，请在收件箱中保留该周原有的全部文件，与本表一起运行 lyreport run --week {week}",
    ),
    "week-next": (
        WARNING,
        "本表 {received} 收到（截止后 {days} 天内，按收到时间是本周的迟报），但{source}注明属于下一周 {week}，"
        "已计入 {week} 这一周、未计入本周；如果是本周迟报的报表，请与报送单位核实",
    ),
    "week-saved-earlier": (
        WARNING,
        "本表未注明周次，按文件时间 {received} 属于 {week} 这一周，未计入本周；但表格自身的保存时间为 {saved}"
        "（本周截止前），可能是本周的报表、截止几天后才存入收件箱，请以邮件实际收到时间核实",
    ),
    "week-future": (
        WARNING,
        "{source}注明属于 {week} 这一周，但本表 {received} 就已收到，不可能属于以后的周次"
        "（多为日期写错或用了以后周次的模板），已按收到时间计入 {arrived} 这一周，请与报送单位核实",
    ),
    "doc-number-shared": (
        WARNING,
        "配置.toml 中{list_title}的发文字号（{number}）与主清单相同，两份通报会出现重复的文号，"
        '请在 [summary."清单文件名"] 中为该清单设置不同的 doc_number',
    ),
    "config-unknown-key": (WARNING, "{detail}"),
    "config-list-wording": (
        WARNING,
        "{detail}；本清单的通报中该项（{key}）暂用默认措辞，请修改配置.toml",
    ),
    "config-wording-own-list": (
        INFO,
        "配置.toml 中 {keys} 仍是三十三条的默认措辞，本清单（{list_title}）的通报和邮件改用按清单名称生成的措辞；"
        "如需自定，请在配置.toml 的 [summary] 中修改",
    ),
    "unit-not-responsible": (WARNING, "{unit}不是本清单（{list_title}）的责任单位，该报表未计入"),
    "unit-late": (WARNING, "{unit}迟报（收到时间 {received}，截止时间 {deadline}）"),
    "unit-corrected-late": (
        WARNING,
        "{unit}按时报送（《{first}》收到时间 {received}，截止时间 {deadline}），"
        "本周数据采用截止后收到的《{used}》（收到时间 {corrected}）；如截止后的更正不应采用，请与单位核实",
    ),
    "unit-late-corrected": (
        WARNING,
        "{unit}迟报，迟报时间按最早收到的《{first}》（收到时间 {received}，截止时间 {deadline}）计；"
        "本周数据采用其后收到的《{used}》（收到时间 {corrected}）",
    ),
    # --- which copy counts and when it came in (issue 11: discover, expand_mail, msgread, versions, merge) ---
    "format-unreadable": (ERROR, "已收到，但格式无法读取（{format}）——请对方发送电子表格（.xlsx/.xls/.et）"),
    "format-unreadable-unit": (
        WARNING,
        "格式无法读取（{format}），且无法判断是哪个单位报送的，未计入任何单位，请打开查看",
    ),
    "format-unreadable-extra": (INFO, "{format}未读取；该单位本周已另报电子表格，此文件可能是报送函或说明"),
    "csv-no-form": (
        ERROR,
        "已收到 CSV 文件，但其中没有报表的表头（序号、完成状态、本周进展等），无法读取——请对方发送电子表格",
    ),
    "msg-unreadable": (ERROR, "Outlook 邮件（.msg）无法读取：{reason}"),
    "mail-forwarded": (INFO, "转发的邮件：收到时间按原邮件的发送时间 {sent} 计算（转发时间 {forwarded}）"),
    "mail-forwarded-own": (
        INFO,
        "单位转发了自己此前发出的邮件：原邮件的发送时间 {sent} 只是发件人电脑上的时间（原邮件没有邮件服务器的收到记录），"
        "收到时间按转发时间 {forwarded} 计算；如原邮件当时确已发到本办邮箱，请以邮箱中的原邮件为准",
    ),
    "mail-forwarded-inline": (
        INFO,
        "转发的邮件：正文中注明原邮件的发送时间为 {original}，收到时间按转发时间 {forwarded} 计算；"
        "所附报表如是原邮件中的附件，请按原邮件的收到时间核实是否按时报送",
    ),
    "mail-forwarded-inline-unread": (
        INFO,
        "转发的邮件：正文中原邮件的发送时间“{written}”无法识别，收到时间按转发时间 {forwarded} 计算；"
        "所附报表如是原邮件中的附件，请按原邮件的收到时间核实是否按时报送",
    ),
    "mail-date-no-zone": (INFO, "邮件发送时间“{date}”未注明时区，按北京时间计算"),
    "mail-date-china-zone": (
        INFO,
        "邮件发送时间“{date}”的时区写作“{zone}”，按中国标准时间（北京时间，UTC+8）计算",
    ),
    "mail-date-offset": (INFO, "邮件发送时间写作“{header}”，时区按 {offset} 计算，即北京时间 {date}"),
    "mail-date-zone-unknown": (
        WARNING,
        "邮件发送时间写作“{header}”，其中的时区“{zone}”无法识别，暂按北京时间计算（{date}），请核实",
    ),
    "mail-date-missing": (
        WARNING,
        "邮件没有可识别的发送时间{header}，收到时间按{fallback} {time} 计算，可能晚于实际发送时间，请核实",
    ),
    "mail-date-server": (
        WARNING,
        "邮件的发送时间（发件方电脑的时钟）为 {sent}，而收件邮件服务器记录的收到时间为 {received}，相差 {gap}；"
        "收到时间按邮件服务器的时间计算（发件方电脑时钟可能不准），请核实",
    ),
    "mail-date-moved-in": (
        WARNING,
        "邮箱中这封邮件的收到时间（INTERNALDATE）为 {internal}，而收件邮件服务器在邮件中记下的收到时间（Received）为"
        " {earlier}，早 {gap}（多为邮件后来才被移动、复制或上传到该文件夹）；收到时间按 {earlier} 计算，请核实",
    ),
    "mail-date-no-server-stamp": (
        WARNING,
        "邮箱中这封邮件的收到时间（INTERNALDATE）为 {internal}，但邮件中没有收件邮件服务器的收到记录（Received），"
        "多为从本地文件夹拖入或上传到邮箱的邮件，那个时间可能只是放进邮箱的时间；邮件头的发送时间为 {earlier}，早 {gap}。"
        "收到时间暂按 {internal} 计算，请核实实际收到时间",
    ),
    "mail-date-server-only": (
        INFO,
        "邮件没有可识别的发送时间{header}，收到时间按收件邮件服务器记录的时间 {received} 计算",
    ),
    "mail-date-twice": (
        WARNING,
        "邮件有几个不同的发送时间（{dates}），无法确定哪个是真实的；收到时间暂按最晚的 {date} 计算，请核实",
    ),
    "mail-date-file-earlier": (
        WARNING,
        "文件时间 {saved} 早于邮件服务器记下的收到时间 {received}（本机时钟可能不准，或另存、解压时文件时间被改动）；"
        "收到时间按邮件服务器的收到时间计算，请核实",
    ),
    "mail-date-impossible": (
        WARNING,
        "{what}的发送时间 {sent} 晚于{bound_name} {bound}，不可能（发件方电脑时钟可能不准）；"
        "收到时间按{bound_name}计算，请核实",
    ),
    "failed-other-week": (
        WARNING,
        "该文件无法使用（{reason}）；按文件时间（{received}）属于 {week} 这一周，未计入本周，"
        "如果是本周报送的，请与{who}核实",
    ),
    "failed-later-week": (
        INFO,
        "该文件无法使用（{reason}）；按文件时间（{received}）属于 {week} 这一周，未计入本周",
    ),
    "version-chosen": (INFO, "{unit}本周有 {count} 份报表，采用本份（{why}）；未采用：{others}"),
    "version-chosen-earlier": (
        WARNING,
        "{unit}本周采用的《{chosen}》比《{later}》收到得早，只因{why}；请与{unit}核实以哪份为准",
    ),
    "versions-unordered": (
        WARNING,
        "{unit}本周的《{chosen}》与《{other}》{dates}、同时收到，文件名或邮件主题也分不出先后，内容却不同，无法判断哪份是最终版；"
        "暂采用《{chosen}》，请与{unit}核实以哪份为准",
    ),
    "saved-before-deadline": (
        WARNING,
        "文件时间 {received} 已过截止时间，但表格自身的保存时间为 {saved}（截止前），"
        "很可能是截止后才从邮件另存到收件箱；暂按按时报送处理，请以邮件实际收到时间核实",
    ),
    "unit-template-other": (
        WARNING,
        "本表使用的是“{template}”的报表模板，但{sources}均为“{chosen}”，按“{chosen}”处理，请核实",
    ),
    "week-template-old": (
        WARNING,
        "本表使用的是 {template_week} 这一周的报表模板，但填报日期 {filled} 属于 {week} 这一周，"
        "按填报日期计入 {week} 这一周（可能沿用了往期表格），请核实",
    ),
    # --- mailbox: fetch and reminders (mailbox/) ---
    "mail-no-password": (ERROR, "未收取：{reason}"),
    "mail-login": (ERROR, "未收取：{reason}"),
    "mail-unreachable": (ERROR, "未收取：{reason}。请检查网络连接和配置中的服务器地址、端口"),
    "mail-timeout": (ERROR, "未收取完：{reason}"),
    "mail-certificate": (
        ERROR,
        "未收取：{reason}。可能是网络被代理或劫持、电脑时间不对，或服务器地址写错；请勿关闭证书检查，联系信息技术人员处理",
    ),
    "mail-unsafe-login": (ERROR, "未收取：{reason}"),
    "mail-ca-file": (ERROR, "未收取：{reason}，请改正配置中的 ca_file（或删除这一行）"),
    "mail-folder": (ERROR, "未收取：{reason}"),
    "mail-other-folder": (
        WARNING,
        "“{folder}”文件夹中有 {count} 封可能是报表的邮件没有收取（{mails}）：lyreport fetch 只收取该邮箱的"
        "“{configured}”文件夹，垃圾邮件等其他文件夹中的邮件不会计入，相关单位会显示为未报送。请在网页邮箱中把这些邮件"
        "移到收件箱（垃圾邮件点“这不是垃圾邮件”）后重新运行 lyreport fetch，或在配置.toml 该邮箱的 folders 中加上“{folder}”",
    ),
    "mail-other-folders-unread": (
        WARNING,
        "未能查看该邮箱的其他文件夹（{reason}），垃圾邮件等文件夹中如有报表不会被发现，请到网页邮箱中查看",
    ),
    "mail-id-reused": (
        INFO,
        "邮件“{subject}”与先前收到的一封邮件的 Message-ID（{message_id}）相同，但邮件头的发送时间不同，"
        "是另一封邮件（发件程序重复使用了同一编号），已一并收取",
    ),
    "mail-gone": (
        WARNING,
        "邮件“{subject}”（{received} 收到）在收取过程中被删除或移到了其他文件夹（可能有人正在网页邮箱中整理邮件），未收取；"
        "如是报表，请在网页邮箱的其他文件夹或“已删除”中找到，移回收件箱后重新运行 lyreport fetch",
    ),
    "mail-fetch-failed": (
        WARNING,
        "最近一次收取邮件（{tried}）未能收取该邮箱（{reason}）。该邮箱{since}收到的报表未计入本次结果，"
        "只发到该邮箱的单位可能被误计为未报送或迟报；请排除原因后运行 lyreport fetch，再重新运行",
    ),
    "mail-fetch-early": (
        WARNING,
        "最近一次收取该邮箱是 {fetched}，早于本周截止时间 {deadline}；此后收到的报表未计入本次结果，"
        "按时报送的单位可能被误计为未报送。请运行 lyreport fetch 收取后再重新运行",
    ),
    "mail-no-files": (INFO, "邮件“{subject}”没有报表、扫描件或压缩包附件，未存入收件箱"),
    "mail-too-large": (WARNING, "邮件“{subject}”过大（{size}，上限 {limit}），未下载，请到网页邮箱中查看"),
    "remind-no-email": (WARNING, "单位名录中没有{unit}的电子邮箱，催报邮件草稿未填收件人，请补充名录或电话催报"),
    "remind-send-failed": (ERROR, "发给{unit}的催报邮件未发出：{reason}"),
    # --- workspace faults (issue 12: mail limits, unfinished outputs) ---
    "eml-too-many": (ERROR, "邮件附件过多或解开后过大（超出安全上限），已拒绝，请对方分几封邮件发送"),
    "weeks-out-of-order": (
        WARNING,
        "{later} 已先于本周记录：为不与已发通报重号，本周按下一个未用的期数编为第{period}期；"
        "这些周的通报和连续未按时报送周数未计入本周，请按时间顺序依次运行{commands}",
    ),
    "later-weeks-stale": (
        WARNING,
        "{later} 的通报、summary.json、台账副本和总的《工作台账.xlsx》仍是按 {week} 的旧数据计算的（如连续未按时报送周数），"
        "本次未更新；请按时间顺序依次运行{commands}",
    ),
    "output-edited-kept": (
        WARNING,
        "在上次生成后被修改过（{saved} 保存），已另存为《{kept}》后再生成新文件；新文件不含这些修改，"
        "如仍需要，请对照《{kept}》重新修改",
    ),
    "output-differs-kept": (
        WARNING,
        "与本次生成的不同，又没有上次生成时的记录（由旧版本生成，或历史记录重建过），无法确认是否手工修改过，"
        "已另存为《{kept}》（{saved} 保存）后再生成新文件；其中如有需要保留的修改，请对照重新修改",
    ),
    "period-taken": (
        WARNING,
        "按配置.toml 中的 first_week，本周应为第{wanted}期，但第{wanted}期已用于 {week}（first_week 可能改过）；"
        "为不与已发通报重号，本周编为第{period}期，请核对 first_week",
    ),
    "period-not-archived": (
        WARNING,
        "重建时历史存档中没有本周可用的期数（{reason}），按现行规则编为第{period}期，"
        "可能与当初发出的通报期数不同，请与已发出的通报核对",
    ),
    "outputs-unfinished": (
        WARNING,
        "上次运行已记录 {week} 这一周，但未能写完输出文件；请运行“lyreport run --week {week} --rebuild”重新生成",
    ),
    "archive-week-missing": (
        WARNING,
        "历史记录中有 {week} 这一周，但历史存档中该周的原始文件夹（{folder}）不见了；历史记录和输出文件不受影响，"
        "但今后无法再用存档重建该周（lyreport restore 会因此拒绝运行）。请尽快从备份中恢复该文件夹",
    ),
}
